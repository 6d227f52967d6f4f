"""Platforms the deployment procedure runs on: `local` and `aws`."""
