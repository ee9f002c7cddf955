"""FCC-aware training for ddcpim (scripts/ddcpim_train): one module per job."""
