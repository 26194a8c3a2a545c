"""Colorado's administration-session log (1 CCR 212-3 Rule 8035 C) and the facilitator's
participant record (4 CCR 755-1 §6.3), from the medicine sessions' own record."""
