// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "annals",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "annals", targets: ["annals"]),
        .executable(name: "annals-story-worker", targets: ["annals-story-worker"]),
        .executable(name: "annals-kb-worker", targets: ["annals-kb-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        // C libraries from Debian (librdkafka-dev, libpq-dev).
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

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
            ]
        ),

        // Domains.
        .target(name: "Story", dependencies: ["Projection", "AnnalsEvents", "Postgres"]),
        .target(name: "KnowledgeBase", dependencies: ["Projection", "AnnalsEvents", "Postgres"]),

        // Commands and executables.
        .target(
            name: "AnnalsCLI",
            dependencies: [
                "Kafka", "Postgres", "AnnalsEvents", "Projection", "Story", "KnowledgeBase",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(name: "annals", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-story-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(name: "annals-kb-worker", dependencies: ["AnnalsCLI"]),
        .executableTarget(
            name: "annals-bench",
            dependencies: [
                "Story", "KnowledgeBase", "Projection", "Kafka", "Postgres", "AnnalsEvents",
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
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "AnnalsEventsTests", dependencies: ["AnnalsEvents"]),
        .testTarget(name: "ProjectionTests", dependencies: ["Projection", "TestSupport"]),
        .testTarget(name: "KnowledgeBaseTests", dependencies: ["KnowledgeBase", "Projection", "Postgres", "AnnalsEvents", "Kafka", "TestSupport"]),
        .testTarget(name: "AnnalsCLITests", dependencies: ["AnnalsCLI", "Kafka", "KnowledgeBase"]),
        .testTarget(name: "StoryTests", dependencies: ["Story", "Projection", "Kafka", "Postgres", "AnnalsEvents", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Story", "KnowledgeBase", "Projection", "Kafka", "Postgres", "AnnalsEvents", "TestSupport"]
        ),
    ]
)
