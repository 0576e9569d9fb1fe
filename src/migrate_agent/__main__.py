from migrate_agent.entry import main

main()
