"""One module per subcommand: argument wiring plus a function with explicit args → exit code."""
