"""Small helpers every area uses: FIQL filters, paging, lookups that answer 404, time conversions."""
