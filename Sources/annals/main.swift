import AnnalsCLI

bootstrapLogging()
await AnnalsCommand.main()
