import Projection
import Story

/// Every projection this build knows, by name.
enum ProjectionCatalog {
    static let all: [any Projection] = [StoryProjection()]

    static func named(_ name: String) throws -> any Projection {
        guard let projection = all.first(where: { $0.name == name }) else {
            throw ProjectionError.unknownProjection(name, known: all.map(\.name))
        }
        return projection
    }
}
