#!/usr/bin/env bash
# Builds what the GPU machine runs (it has a CUDA driver but no .NET): the bench program published self-contained,
# packed into gpu-pack/goseqzero-bench.tar.xz (git-ignored), for the device tool to carry:
#   bash bench/gpu/prepare.sh
#   device run: command "bash bench/gpu/run.sh", carry ["gpu-pack"]
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf gpu-pack/publish && mkdir -p gpu-pack
dotnet publish bench -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true \
  --artifacts-path gpu-pack/artifacts -o gpu-pack/publish >/dev/null
tar cJf gpu-pack/goseqzero-bench.tar.xz -C gpu-pack publish
rm -rf gpu-pack/publish gpu-pack/artifacts
ls -lh gpu-pack/goseqzero-bench.tar.xz
