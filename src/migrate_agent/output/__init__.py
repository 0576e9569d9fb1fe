"""Last stage: acknowledge, report and write (atomically)."""
