import KnowledgeBase
import MetricsProjection
import Projection
import Scaling
import Story

/// Every projection this build knows, by name.
enum ProjectionCatalog {
    static func all() throws -> [any Projection] {
        [
            StoryProjection(),
            try knowledgeBase(),
            try metrics(),
            ScalingProjection(),
        ]
    }

    /// The metrics projection with the policy in ANNALS_POLICY_FILE (the defaults without it), queueing nothing:
    /// replays and checks never publish.
    static func metrics() throws -> MetricsProjection {
        MetricsProjection(settings: try PolicyOptions.parse([]).settings().settings)
    }

    /// The knowledge base with the embedder and dimension the environment names, as the worker's defaults do.
    static func knowledgeBase() throws -> KnowledgeBaseProjection {
        let options = try EmbedderOptions.parse([])
        let dimension = KnowledgeBaseSettings.dimensionFromEnvironment(default: try options.defaultDimension())
        let embedder = try options.makeEmbedder(dimension: dimension)
        return try KnowledgeBaseProjection(settings: KnowledgeBaseSettings(dimension: dimension), embedder: embedder)
    }

    static func named(_ name: String) throws -> any Projection {
        let all = try all()
        guard let projection = all.first(where: { $0.name == name }) else {
            throw ProjectionError.unknownProjection(name, known: all.map(\.name))
        }
        return projection
    }
}
