import ArgumentParser
import Projection

extension Remedy {
    /// What to do, as the command line says it: the command to run.
    var instruction: String {
        switch self {
        case .replayInPlace(let projection):
            "rebuild them with `annals replay \(projection) --in-place`"
        case .startReplay(let projection):
            "start one with `annals replay \(projection)`"
        case .resumeReplay(let projection):
            "run `annals replay \(projection) --resume` to finish it"
        case .resumeOrAbandonReplay(let projection):
            "run `annals replay \(projection) --resume` to finish it, or `annals replay \(projection) --abandon` to drop it"
        case .abandonReplay(let projection):
            "abandon the replay (`annals replay \(projection) --abandon`) and start again"
        case .replayWithEmbedder(let projection, let model, let dimension):
            "rebuild them with `\(EmbedderOptions.environment(model: model, dimension: dimension)) annals replay \(projection)` "
                + "(blue/green: search keeps serving the old vectors until the swap), then run the kb workers and "
                + "annals-api with that embedder"
        case .migrate:
            "run `annals migrate` (or start its worker) first"
        case .migrateRoles:
            "run `annals migrate --roles` as a superuser or a role with CREATEROLE"
        case .migrateRolesAndGrantWriter(let projection, let login):
            "run `annals migrate --roles` as the owner of the database objects, then "
                + "`GRANT \(AccessRoles.defaultPrefix)_\(projection)_writer TO \(login)` (with your --role-prefix if you gave one)"
        case .applyTopics:
            "run `annals topics apply`"
        case .listDeadLetters:
            "`annals dlq list --all` lists them with their ids"
        case .redrive(let projection, let id):
            "run `annals dlq redrive \(projection) --id \(id)`"
        }
    }
}

/// A failure as the command line reports it: what went wrong, then the command that fixes it.
struct RenderedError: Error, CustomStringConvertible {
    var description: String

    /// `error` with its remedy rendered as a command; other errors (the argument parser's among them) unchanged.
    static func rendering(_ error: any Error) -> any Error {
        guard let remediable = error as? any RemediableError, let remedy = remediable.remedy else { return error }
        return RenderedError(description: "\(remediable.description): \(remedy.instruction)")
    }
}

extension AnnalsCommand {
    /// Parses the arguments and runs the command, printing a failure with its remedy as a command to run.
    public static func launch() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: RenderedError.rendering(error))
        }
        exit()
    }
}
