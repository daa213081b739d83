"""Figures: the paper figures of a run (PNG + PDF) and the site's per-layer and per-head images (PNG)."""
