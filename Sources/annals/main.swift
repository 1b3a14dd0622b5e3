import AnnalsCLI
