from migrate_agent.cli import main

main()
