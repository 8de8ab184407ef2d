# One image for every silo role; the role is chosen by --config (silo-config/<role>.yaml, mounted from a ConfigMap).
#   docker build -t fpo:dev .
#   docker run --rm -e FPO__backbone__connection=... fpo:dev silo --config /etc/fpo/rollout.yaml

# Build: the SDK publishes the silo with the same script the test suite runs (infra/publish.sh).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN sh infra/publish.sh /out

# Run: the ASP.NET Core runtime (the silo serves HTTP), OpenBLAS for the GEMMs, curl for the health check.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread curl \
    && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
RUN groupadd --gid 10001 fpo && useradd --uid 10001 --gid fpo --home-dir /var/lib/fpo --create-home fpo
WORKDIR /app
COPY --from=build /out ./
COPY silo-config /etc/fpo
USER 10001
# Run folders, the prepared task and checkpoints live here (a volume in Kubernetes).
WORKDIR /var/lib/fpo
ENV FPO__run__runs=/var/lib/fpo/runs \
    FPO__run__data=/var/lib/fpo/data \
    FPO__api__host=0.0.0.0 \
    FPO__api__port=8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD curl --fail --silent --max-time 2 http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "/app/fpo.dll"]
CMD ["silo", "--config", "/etc/fpo/api.yaml"]
