"""Command line (placeholder until the CLI issue): see governance_sim.cli.main."""
