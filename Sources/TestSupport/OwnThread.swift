/// Tests hop blocking set-up and checks off the cooperative pool with the same `onOwnThread` the archive uses.
@_exported import func Kafka.onOwnThread
