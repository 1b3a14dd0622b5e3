import AnnalsCLI

// Reads --config, sets up logging (JSON lines unless --log-format text) and serves until SIGTERM.
await APICommand.launch()
