// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "annals",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "annals", targets: ["annals"]),
        .executable(name: "annals-story-worker", targets: ["annals-story-worker"]),
        .executable(name: "annals-kb-worker", targets: ["annals-kb-worker"]),
        .executable(name: "annals-metrics-worker", targets: ["annals-metrics-worker"]),
        .executable(name: "annals-metrics-agent", targets: ["annals-metrics-agent"]),
        .executable(name: "annals-gpu-sim", targets: ["annals-gpu-sim"]),
        .executable(name: "annals-scaling-worker", targets: ["annals-scaling-worker"]),
        .executable(name: "annals-api", targets: ["annals-api"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Worker HTTP endpoints (/healthz, /readyz, /metrics); in tests, the fake embeddings server.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C libraries from Debian (librdkafka-dev, libpq-dev).
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // I/O layers.
        .target(name: "Kafka", dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Postgres", dependencies: ["CLibpq"]),

        // Contracts.
        .target(
            name: "AnnalsEvents",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        // Runtime shared by every worker.
        .target(
            name: "Projection",
            dependencies: [
                "Kafka", "Postgres", "AnnalsEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // A worker's /healthz, /readyz and /metrics over HTTP, kept out of Projection.
        .target(
            name: "WorkerHTTP",
            dependencies: [
                "Projection",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Domains.
        .target(name: "Story", dependencies: ["Projection", "AnnalsEvents", "Postgres"]),
        .target(
            name: "KnowledgeBase",
            dependencies: ["Projection", "AnnalsEvents", "Postgres", .product(name: "Crypto", package: "swift-crypto")]),
        // What every AsyncHTTPClient user here needs beyond the client: a body collected under a deadline.
        .target(
            name: "HTTPClientSupport",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // AWS without any AWS SDK, for whoever calls AWS: Signature V4, credentials (environment, ECS task role), endpoints,
        // error responses, and the client that signs and posts. Knows nothing of its callers: its own `AWSFailure`.
        .target(
            name: "AWSSupport",
            dependencies: [
                "HTTPClientSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Network I/O for the knowledge base, kept out of it: the OpenAI-compatible embeddings client and Bedrock's
        // Titan Text Embeddings v2, sharing one retry rule and one way of running requests concurrently.
        .target(
            name: "RemoteEmbedding",
            dependencies: [
                "KnowledgeBase", "HTTPClientSupport", "AWSSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Metric rollups, the autoscaling policy, backtests and load traces (pure).
        .target(
            name: "AnnalsMetrics",
            dependencies: [
                "AnnalsEvents",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // scale-decision → scaling.* (decisions, capacity), and acting on the capacity: the Actuator protocol, the
        // dry-run actuator, the actuation loop and its own scaling_actuation.* tables.
        .target(
            name: "Scaling",
            dependencies: [
                "Projection", "AnnalsEvents", "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The scaling actuators on AWS, kept out of Scaling: ECS UpdateService, EC2 Auto Scaling SetDesiredCapacity;
        // AWSSupport's failures become `ActuationFailure`s here.
        .target(name: "AWSActuation", dependencies: ["Scaling", "AWSSupport"]),

        // Disaster recovery of the source of truth: the topics archived to S3 as immutable, checksummed segments,
        // verified, and restored into empty topics.
        .target(
            name: "TopicArchive",
            dependencies: [
                "Kafka", "AWSSupport", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Prometheus text and OpenMetrics exposition: a parser, and quantiles over the interval between two scrapes of
        // a cumulative histogram, as Prometheus's histogram_quantile interpolates them (pure).
        .target(name: "PrometheusExposition"),

        // The GPU instance's sidecar: dcgm-exporter, the inference server's metrics and EC2's instance metadata,
        // sampled every interval into metric-sample.
        .target(
            name: "MetricsAgent",
            dependencies: [
                "PrometheusExposition", "AnnalsEvents", "AnnalsMetrics", "Kafka", "HTTPClientSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Simulated GPU instances (dcgm-exporter, vLLM and IMDSv2 pages, scripted) served over HTTP: the agent's tests
        // and the local stack's stand-in for a GPU fleet.
        .target(
            name: "GPUSimulation",
            dependencies: [
                "LoopbackHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // all-MiniLM-L6-v2 in process: the WordPiece tokenizer, the BERT encoder on OpenBLAS, the kb embedder.
        .target(name: "SentenceEmbedding", dependencies: ["COpenBLAS", "KnowledgeBase"]),

        // The chunks' vectors in a search server's memory, kept up to date with the tables: exact nearest neighbours
        // on OpenBLAS instead of PostgreSQL's HNSW scans.
        // Our one C target: a loop the C compiler vectorises for the CPU it runs on (see dots.c). Optimised in debug
        // builds too, so that tests searching thousands of vectors do not wait on unoptimised loops.
        .target(name: "CVectorDots", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "VectorReplica", dependencies: ["CVectorDots", "KnowledgeBase", "Postgres", "Projection"]),

        // An HTTP server on 127.0.0.1 for the length of a closure: the stand-ins tests and the simulation serve.
        .target(
            name: "LoopbackHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // metric-sample → metrics.* (raw samples, minute rollups, the policy's state and decisions) and the outbox
        // that publishes the decisions to scale-decision.
        .target(
            name: "MetricsProjection",
            dependencies: [
                "AnnalsMetrics", "Projection", "Postgres", "Kafka", "AnnalsEvents",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // Markdown documents with YAML front matter → DocumentIngested events (pure).
        .target(
            name: "DocumentIngest",
            dependencies: [
                "AnnalsEvents",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The read side over HTTP (annals-api): routes, search cache, rate limiting, the OpenAPI document and the web page.
        .target(
            name: "ReadAPI",
            dependencies: [
                "Postgres", "Projection", "KnowledgeBase", "Story", "Scaling", "WorkerHTTP", "VectorReplica",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Resources/openapi.json"), .embedInCode("Resources/index.html")]
        ),

        // Simulated players for `annals loadgen`: pure, seeded event sources.
        .target(
            name: "LoadGeneration",
            dependencies: ["AnnalsEvents", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        // Commands and executables.
        .target(
            name: "AnnalsCLI",
            dependencies: [
                "TopicArchive", "Kafka", "Postgres", "AnnalsEvents", "Projection", "Story", "KnowledgeBase", "DocumentIngest", "RemoteEmbedding",
                "AnnalsMetrics", "MetricsProjection", "Scaling", "AWSSupport", "AWSActuation", "WorkerHTTP", "ReadAPI", "LoadGeneration",
                "MetricsAgent", "SentenceEmbedding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(name: "annals", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-story-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-kb-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-metrics-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-metrics-agent", dependencies: ["AnnalsCLI"]),
        .executableTarget(
            name: "annals-gpu-sim",
            dependencies: [
                "GPUSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Regenerates Samples/load-traces from LoadTrace (or checks them with --check).
        .executableTarget(name: "annals-traces", dependencies: ["AnnalsMetrics"]),
        .executableTarget(name: "annals-scaling-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-api", dependencies: ["AnnalsCLI"]),
        // Test tooling, never shipped: the probe projection (one row per apply, no dedupe) and its worker, which the
        // end-to-end guarantee tests run beside annals-story-worker so a double apply cannot hide behind a dedupe.
        .target(name: "TestProbeProjection", dependencies: ["Projection", "Postgres", "AnnalsEvents"]),
        .executableTarget(name: "annals-probe-worker", dependencies: ["AnnalsCLI", "TestProbeProjection"]),
        .executableTarget(
            name: "annals-bench",
            dependencies: [
                "Story", "KnowledgeBase", "Projection", "Kafka", "Postgres", "AnnalsEvents", "SentenceEmbedding", "VectorReplica",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Test helpers: embedded Postgres databases, dev Kafka clusters, child processes.
        .target(
            name: "TestSupport",
            dependencies: [
                "Kafka", "Postgres", "AnnalsEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "TopicArchiveTests", dependencies: ["TopicArchive", "Kafka", "AWSSupport", "LoadGeneration", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "AnnalsEventsTests", dependencies: ["AnnalsEvents"]),
        .testTarget(name: "SentenceEmbeddingTests", dependencies: ["SentenceEmbedding", "KnowledgeBase"],
                    resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ProjectionTests",
            dependencies: [
                "Projection", "Kafka", "Postgres", "TestSupport", "TestProbeProjection",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "VectorReplicaTests", dependencies: ["VectorReplica", "KnowledgeBase", "Postgres", "Projection", "TestSupport"]),
        .testTarget(name: "KnowledgeBaseTests", dependencies: ["KnowledgeBase", "Projection", "Postgres", "AnnalsEvents", "Kafka", "TestSupport"]),
        .testTarget(
            name: "RemoteEmbeddingTests",
            dependencies: [
                "RemoteEmbedding", "KnowledgeBase", "Kafka", "AnnalsEvents", "Projection", "Postgres", "TestSupport",
                "LoopbackHTTP", "AWSSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AnnalsCLITests",
            dependencies: [
                "AnnalsCLI", "AnnalsMetrics", "Kafka", "AnnalsEvents", "DocumentIngest", "KnowledgeBase", "Postgres", "Projection", "TestSupport",
                "RemoteEmbedding", "Scaling", "AWSSupport", "AWSActuation", "SentenceEmbedding",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ScalingTests",
            dependencies: [
                "Scaling", "AWSSupport", "AWSActuation", "Projection", "Postgres", "AnnalsEvents", "Kafka", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ReadAPITests",
            dependencies: [
                "ReadAPI", "KnowledgeBase", "Story", "Scaling", "Postgres", "Projection", "TestSupport", "AnnalsEvents",
                "DocumentIngest", "Kafka", "WorkerHTTP", "VectorReplica",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "MetricsTests", dependencies: ["AnnalsMetrics", "AnnalsEvents"]),
        .testTarget(name: "PrometheusExpositionTests", dependencies: ["PrometheusExposition"]),
        .testTarget(
            name: "MetricsAgentTests",
            dependencies: [
                "MetricsAgent", "PrometheusExposition", "GPUSimulation", "AnnalsEvents", "Kafka", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "LoadGenerationTests", dependencies: ["LoadGeneration", "AnnalsEvents"]),
        .testTarget(
            name: "MetricsProjectionTests",
            dependencies: [
                "MetricsProjection", "AnnalsMetrics", "Projection", "Postgres", "AnnalsEvents", "Kafka", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "StoryTests", dependencies: ["Story", "Projection", "Kafka", "Postgres", "AnnalsEvents", "TestSupport"]),
        // Seeded hostile events through decode → validate → fold of every projection's pure core: no trap, ever.
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "AnnalsEvents", "Projection", "Kafka", "Story", "KnowledgeBase", "AnnalsMetrics", "MetricsProjection", "Scaling",
                "AnnalsCLI", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Story", "KnowledgeBase", "AnnalsMetrics", "MetricsProjection", "Scaling", "AWSSupport", "AWSActuation", "Projection", "Kafka",
                "Postgres", "AnnalsEvents", "TopicArchive",
                "TestSupport", "TestProbeProjection",
            ]
        ),
    ]
)
