"""Reports on the integration itself: health of each domain, its workbook and chart, and check alerts."""
