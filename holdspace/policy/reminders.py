"""Reminders: no rule of its own here yet.

holdspace/reminders/ still makes its access checks itself, from get_couple_for and the shared
rules of core.py (is_partner_of, is_care_team_of, deny, refuse); they move here in the next
steps of issue 12.
"""
