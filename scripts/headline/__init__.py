"""README's headline tables from the fast engine (scripts/headline_tables; refresh_docs blocks readme-*)."""
