// Scrapes in the shapes the exporters publish (copied from their documentation and example output, numbers ours).

enum Fixtures {
    /// dcgm-exporter 3.x/4.x on `:9400/metrics` (default counters, a g5.12xlarge with four A10Gs; Kubernetes
    /// pod attribution on, GPU 2 idle and unassigned).
    static let dcgmExporter = """
        # HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
        # TYPE DCGM_FI_DEV_SM_CLOCK gauge
        DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 1710
        DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 1710
        DCGM_FI_DEV_SM_CLOCK{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 210
        DCGM_FI_DEV_SM_CLOCK{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 1695
        # HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).
        # TYPE DCGM_FI_DEV_GPU_TEMP gauge
        DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 61
        DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 63
        DCGM_FI_DEV_GPU_TEMP{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 29
        DCGM_FI_DEV_GPU_TEMP{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 58
        # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
        # TYPE DCGM_FI_DEV_POWER_USAGE gauge
        DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 187.356000
        DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 191.022000
        DCGM_FI_DEV_POWER_USAGE{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 24.915000
        DCGM_FI_DEV_POWER_USAGE{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 176.480000
        # HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
        # TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 8391527604
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 8402219377
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 1108652210
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 7950316442
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 97
        DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 88
        DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 0
        DCGM_FI_DEV_GPU_UTIL{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 41
        # HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
        # TYPE DCGM_FI_DEV_FB_FREE gauge
        DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 1221
        DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 1221
        DCGM_FI_DEV_FB_FREE{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 22563
        DCGM_FI_DEV_FB_FREE{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 9370
        # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
        # TYPE DCGM_FI_DEV_FB_USED gauge
        DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 21342
        DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 21342
        DCGM_FI_DEV_FB_USED{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 0
        DCGM_FI_DEV_FB_USED{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 13193
        # HELP DCGM_FI_DEV_XID_ERRORS Value of the last XID error encountered.
        # TYPE DCGM_FI_DEV_XID_ERRORS gauge
        DCGM_FI_DEV_XID_ERRORS{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 0
        DCGM_FI_DEV_XID_ERRORS{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 0
        DCGM_FI_DEV_XID_ERRORS{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 0
        DCGM_FI_DEV_XID_ERRORS{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 0
        # HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.
        # TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94",pci_bus_id="00000000:00:1B.0",device="nvidia0",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 0.962114
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="1",UUID="GPU-a27b4c19-3e8f-2d05-b6c1-71e9f4a0d2b8",pci_bus_id="00000000:00:1C.0",device="nvidia1",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="vllm",namespace="inference",pod="vllm-llama-0"} 0.874302
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="2",UUID="GPU-0f9d8e7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",pci_bus_id="00000000:00:1D.0",device="nvidia2",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="",namespace="",pod=""} 0.000000
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="3",UUID="GPU-d4c3b2a1-1f2e-3d4c-5b6a-7980a1b2c3d4",pci_bus_id="00000000:00:1E.0",device="nvidia3",modelName="NVIDIA A10G",Hostname="ip-10-0-12-34.ec2.internal",DCGM_FI_DRIVER_VERSION="550.127.05",container="tgi",namespace="inference",pod="tgi-mistral-0"} 0.402288
        """

    /// vLLM V1 `/metrics` (prometheus_client, text 0.0.4: colons in names, `_total` counters, `_created` gauges),
    /// data parallel with two engines. First scrape: engine 0 has served 40 requests, engine 1 none.
    static let vllmFirstScrape = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
        vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 7.0
        vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4125
        vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_total Count of successfully processed requests.
        # TYPE vllm:request_success_total counter
        vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 38.0
        vllm:request_success_total{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        vllm:request_success_total{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_created Count of successfully processed requests.
        # TYPE vllm:request_success_created gauge
        vllm:request_success_created{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        # HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds histogram
        vllm:e2e_request_latency_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 52.5
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 5.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 20.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 30.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 35.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 40.0
        vllm:e2e_request_latency_seconds_sum{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_count{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:e2e_request_latency_seconds_created Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds_created gauge
        vllm:e2e_request_latency_seconds_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        vllm:e2e_request_latency_seconds_created{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        """

    /// The same vLLM a scrape later: engine 0 at 80 requests, engine 1 at 10 (all between 5 s and 10 s).
    static let vllmSecondScrape = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 9.0
        vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4125
        vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_total Count of successfully processed requests.
        # TYPE vllm:request_success_total counter
        vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 76.0
        vllm:request_success_total{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:request_success_total{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:request_success_total{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_created Count of successfully processed requests.
        # TYPE vllm:request_success_created gauge
        vllm:request_success_created{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        # HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds histogram
        vllm:e2e_request_latency_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 140.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 5.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 28.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 50.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 65.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 80.0
        vllm:e2e_request_latency_seconds_sum{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 70.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        vllm:e2e_request_latency_seconds_count{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
        # HELP vllm:e2e_request_latency_seconds_created Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds_created gauge
        vllm:e2e_request_latency_seconds_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        vllm:e2e_request_latency_seconds_created{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        """

    /// The same vLLM after a restart: its counters began again from zero (engine 0 has served 4 requests).
    static let vllmAfterRestart = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
        vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4125
        vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_total Count of successfully processed requests.
        # TYPE vllm:request_success_total counter
        vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:request_success_total{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:request_success_total{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:request_success_created Count of successfully processed requests.
        # TYPE vllm:request_success_created gauge
        vllm:request_success_created{engine="0",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="0",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="stop",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="length",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        vllm:request_success_created{engine="1",finished_reason="abort",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468734848e+09
        # HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds histogram
        vllm:e2e_request_latency_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.6
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
        vllm:e2e_request_latency_seconds_sum{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.3",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="0.8",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="2.5",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="5.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="10.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="15.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="20.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="30.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="40.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="50.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="60.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="120.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="240.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="480.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="960.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="1920.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="7680.0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_bucket{engine="1",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        vllm:e2e_request_latency_seconds_count{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
        # HELP vllm:e2e_request_latency_seconds_created Histogram of e2e request latency in seconds.
        # TYPE vllm:e2e_request_latency_seconds_created gauge
        vllm:e2e_request_latency_seconds_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        vllm:e2e_request_latency_seconds_created{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7521009468739312e+09
        """

    /// Text Generation Inference `/metrics` (Rust metrics-exporter-prometheus: `# TYPE` without `# HELP`, a blank line
    /// after each family, histograms and summaries without `_created`), a freshly started server: no request yet.
    static let tgiFresh = """
        # TYPE tgi_request_count counter
        tgi_request_count 0

        # TYPE tgi_request_failure counter
        tgi_request_failure{err="validation"} 2

        # TYPE tgi_queue_size gauge
        tgi_queue_size 3

        # TYPE tgi_batch_current_size gauge
        tgi_batch_current_size 8

        # TYPE tgi_batch_current_max_tokens gauge
        tgi_batch_current_max_tokens 16384

        # TYPE tgi_request_duration histogram
        tgi_request_duration_bucket{le="0.00015000000000000001"} 0
        tgi_request_duration_bucket{le="0.00022500000000000002"} 0
        tgi_request_duration_bucket{le="0.05766503906250001"} 0
        tgi_request_duration_bucket{le="0.6568408355712891"} 0
        tgi_request_duration_bucket{le="7.481828524529902"} 0
        tgi_request_duration_bucket{le="85.22164732011562"} 0
        tgi_request_duration_bucket{le="+Inf"} 0
        tgi_request_duration_sum 0
        tgi_request_duration_count 0

        # TYPE tgi_batch_forward_duration summary
        tgi_batch_forward_duration{method="prefill",quantile="0"} 0.018230834
        tgi_batch_forward_duration{method="prefill",quantile="0.5"} 0.021402283
        tgi_batch_forward_duration{method="prefill",quantile="0.99"} 0.048817106
        tgi_batch_forward_duration{method="prefill",quantile="1"} 0.05012345
        tgi_batch_forward_duration_sum{method="prefill"} 0.3114
        tgi_batch_forward_duration_count{method="prefill"} 12

        """

    /// Triton Inference Server `/metrics` on `:8002` (prometheus-cpp: `_count` and `_sum` before the buckets), two
    /// models, the opt-in first-response histogram and summaries on.
    static let triton = """
        # HELP nv_inference_request_success Number of successful inference requests, all batch sizes
        # TYPE nv_inference_request_success counter
        nv_inference_request_success{model="resnet50",version="1"} 1240
        nv_inference_request_success{model="bert",version="1"} 310
        # HELP nv_inference_request_failure Number of failed inference requests, all batch sizes
        # TYPE nv_inference_request_failure counter
        nv_inference_request_failure{model="resnet50",version="1"} 0
        nv_inference_request_failure{model="bert",version="1"} 1
        # HELP nv_inference_request_duration_us Cumulative inference request duration in microseconds (includes cached requests)
        # TYPE nv_inference_request_duration_us counter
        nv_inference_request_duration_us{model="resnet50",version="1"} 98021355
        nv_inference_request_duration_us{model="bert",version="1"} 95003112
        # HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds (includes cached requests)
        # TYPE nv_inference_queue_duration_us counter
        nv_inference_queue_duration_us{model="resnet50",version="1"} 1402211
        nv_inference_queue_duration_us{model="bert",version="1"} 2203876
        # HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.
        # TYPE nv_inference_pending_request_count gauge
        nv_inference_pending_request_count{model="resnet50",version="1"} 4
        nv_inference_pending_request_count{model="bert",version="1"} 0
        # HELP nv_inference_first_response_histogram_ms Duration from request to first response in milliseconds
        # TYPE nv_inference_first_response_histogram_ms histogram
        nv_inference_first_response_histogram_ms_count{model="resnet50",version="1"} 1240
        nv_inference_first_response_histogram_ms_sum{model="resnet50",version="1"} 98000
        nv_inference_first_response_histogram_ms_bucket{model="resnet50",version="1",le="100"} 900
        nv_inference_first_response_histogram_ms_bucket{model="resnet50",version="1",le="500"} 1200
        nv_inference_first_response_histogram_ms_bucket{model="resnet50",version="1",le="2000"} 1240
        nv_inference_first_response_histogram_ms_bucket{model="resnet50",version="1",le="5000"} 1240
        nv_inference_first_response_histogram_ms_bucket{model="resnet50",version="1",le="+Inf"} 1240
        nv_inference_first_response_histogram_ms_count{model="bert",version="1"} 310
        nv_inference_first_response_histogram_ms_sum{model="bert",version="1"} 95000
        nv_inference_first_response_histogram_ms_bucket{model="bert",version="1",le="100"} 10
        nv_inference_first_response_histogram_ms_bucket{model="bert",version="1",le="500"} 250
        nv_inference_first_response_histogram_ms_bucket{model="bert",version="1",le="2000"} 300
        nv_inference_first_response_histogram_ms_bucket{model="bert",version="1",le="5000"} 310
        nv_inference_first_response_histogram_ms_bucket{model="bert",version="1",le="+Inf"} 310
        # HELP nv_inference_queue_summary_us Summary of inference queuing duration in microseconds (includes cached requests)
        # TYPE nv_inference_queue_summary_us summary
        nv_inference_queue_summary_us_count{model="resnet50",version="1"} 161
        nv_inference_queue_summary_us_sum{model="resnet50",version="1"} 11110
        nv_inference_queue_summary_us{model="resnet50",version="1",quantile="0.5"} 55
        nv_inference_queue_summary_us{model="resnet50",version="1",quantile="0.9"} 97
        nv_inference_queue_summary_us{model="resnet50",version="1",quantile="0.95"} 98
        nv_inference_queue_summary_us{model="resnet50",version="1",quantile="0.99"} 101
        nv_inference_queue_summary_us{model="resnet50",version="1",quantile="0.999"} 101
        # HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)
        # TYPE nv_gpu_utilization gauge
        nv_gpu_utilization{gpu_uuid="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94"} 0.73
        # HELP nv_gpu_memory_used_bytes GPU used memory, in bytes
        # TYPE nv_gpu_memory_used_bytes gauge
        nv_gpu_memory_used_bytes{gpu_uuid="GPU-5c1e2f0a-9d3b-7a61-4e2c-8f0b1d6a3c94"} 21338521600
        """

    /// OpenMetrics 1.0 (`application/openmetrics-text`): families named without `_total`, `# UNIT`, `_created`
    /// samples, exemplars after ` # `, float-second timestamps, info and stateset families, `# EOF` last.
    static let openMetrics = """
        # TYPE vllm:request_success counter
        # HELP vllm:request_success Count of successfully processed requests.
        vllm:request_success_total{finished_reason="stop",model_name="m"} 118.0
        vllm:request_success_created{finished_reason="stop",model_name="m"} 1.7521009468734848e+09
        # TYPE vllm:e2e_request_latency_seconds histogram
        # UNIT vllm:e2e_request_latency_seconds seconds
        # HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
        vllm:e2e_request_latency_seconds_bucket{le="0.5",model_name="m"} 2.0 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.43 1752100000.123
        vllm:e2e_request_latency_seconds_bucket{le="1.0",model_name="m"} 6.0
        vllm:e2e_request_latency_seconds_bucket{le="2.5",model_name="m"} 11.0 # {trace_id="00f067aa0ba902b7"} 2.2
        vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 12.0
        vllm:e2e_request_latency_seconds_count{model_name="m"} 12.0
        vllm:e2e_request_latency_seconds_sum{model_name="m"} 14.2
        vllm:e2e_request_latency_seconds_created{model_name="m"} 1.7521009468739312e+09
        # TYPE vllm_build info
        vllm_build_info{version="0.9.1"} 1
        # TYPE gpu_state stateset
        gpu_state{gpu_state="healthy"} 1
        gpu_state{gpu_state="throttled"} 0
        # TYPE scheduler_steps unknown
        scheduler_steps 3 1752100000.5
        # EOF

        """

    /// Label values and HELP text with every escape the formats define.
    static let escapes = #"""
        # HELP model_info Loaded model; a path like C:\\models\\llama, "quoted",\nand a second line.
        # TYPE model_info gauge
        model_info{path="C:\\models\\llama",note="say \"hi\"",lines="one\ntwo",empty=""} 1
        """#
}
