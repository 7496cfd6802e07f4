"""The demo data set calmdesk writes itself, loaded by `calmdesk seed` through the real actions."""

from calmdesk.demo.seed import DEMO_USERS, SeedReport, load_demo, seed_demo

__all__ = ["DEMO_USERS", "SeedReport", "load_demo", "seed_demo"]
