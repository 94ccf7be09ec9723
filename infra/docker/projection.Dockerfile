# syntax=docker/dockerfile:1
# The projection service. Build from the repository root:
#   docker build -f infra/docker/projection.Dockerfile -t platform-projection .
# See infra/docker/README.md for what the image expects at run time.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY contracts/ contracts/
COPY services/ services/
COPY infra/docker/health-probe/ infra/docker/health-probe/
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish services/Platform.Projection/Platform.Projection.csproj -c Release -o /out/app -p:UseAppHost=false --nologo \
 && dotnet publish infra/docker/health-probe/Platform.HealthProbe.csproj -c Release -o /out/health-probe -p:UseAppHost=false --nologo

# Chiseled: no shell, no package manager, non-root by default; the .NET runtime is all there is.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /out/app/ /app/
COPY --from=build /out/health-probe/ /health-probe/
# Read-only root filesystem: the runtime's only writes (diagnostic IPC socket) go to TMPDIR, a tmpfs/emptyDir
# at /tmp; no debugger or profiler attach, which would need more.
ENV ASPNETCORE_URLS=http://+:8080 \
    TMPDIR=/tmp \
    DOTNET_EnableDiagnostics_Debugger=0 \
    DOTNET_EnableDiagnostics_Profiler=0
EXPOSE 8080
# The non-root user the .NET images ship (app, UID 1654).
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/Platform.Projection.dll"]
