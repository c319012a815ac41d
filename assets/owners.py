"""The teams responsible for each asset, shown under Owners in the Dagster UI and searchable in the catalog.

Finance reviews held batches and what posted; the integration team owns the extracts and the
health report. Rename the teams here to match your own.
"""

FINANCE = "team:finance"
INTEGRATION = "team:integration"

EXTRACT_OWNERS = [INTEGRATION]
BATCH_OWNERS = [FINANCE, INTEGRATION]
HEALTH_OWNERS = [INTEGRATION, FINANCE]
