"""The Today view: a member of staff's sessions of the day and the queue of what waits for
them (selectors.py), its page (views.py), its API (api.py: /api/v1/me/queue and /me/today)."""
