"""Writes that touch more than one row, one module per area: `readiness.services.<area>`.

Each service is `<entity>_<verb>`, keyword-only, typed, atomic, and validates with
`full_clean()` before saving. Views and tasks call services; nothing else writes.
"""
