"""Names shared by the demo-data command and the `make run` banner. Fictional people only."""

DEMO_PASSWORD = "upr-demo-2026"  # noqa: S105 — published demo credential, local runs only
DEMO_DOMAIN = "demo.upr-cities.org"
