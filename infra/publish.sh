#!/usr/bin/env sh
# Publishes the silo (the `fpo` executable and everything it loads) into the folder $1. The Dockerfile's build stage
# and the test suite both run exactly this script, so a publish that breaks fails the suite, not only an image build.
set -eu
out="${1:?usage: infra/publish.sh OUTPUT_FOLDER}"
exec dotnet publish src/Fpo.Silo/Fpo.Silo.csproj -c Release --nologo -o "$out" -p:UseAppHost=false
