import AnnalsCLI

bootstrapLogging()
await StoryWorkerCommand.main()
