"""scripts/ddcpim_import's modules: a front end per format, then a shared float graph, quantisation,
writing and evaluation."""
