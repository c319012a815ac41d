"""Who answers for each asset in the Dagster UI (shown under Owners, and searchable in the catalog).

Finance reviews held batches and what posted; the integration team owns the extracts and the
health report. Rename the teams here to match your own.
"""

FINANCE = "team:finance"
INTEGRATION = "team:integration"

EXTRACT_OWNERS = [INTEGRATION]
BATCH_OWNERS = [FINANCE, INTEGRATION]
HEALTH_OWNERS = [INTEGRATION, FINANCE]
