import KnowledgeBase
import Projection
import Story

/// Every projection this build knows, by name.
enum ProjectionCatalog {
    static func all() throws -> [any Projection] {
        [
            StoryProjection(),
            try KnowledgeBaseProjection(settings: KnowledgeBaseSettings(dimension: KnowledgeBaseSettings.dimensionFromEnvironment())),
        ]
    }

    static func named(_ name: String) throws -> any Projection {
        let all = try all()
        guard let projection = all.first(where: { $0.name == name }) else {
            throw ProjectionError.unknownProjection(name, known: all.map(\.name))
        }
        return projection
    }
}
