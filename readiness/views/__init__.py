"""Thin function views, one module per area: access helper → form → service → redirect."""
