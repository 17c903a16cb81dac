#!/usr/bin/env bash
# Installs the Debian packages Pier builds and tests with, skipping those already present.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libargon2-dev libcurl4-openssl-dev libarchive-dev libldap-dev libgpgme-dev gnupg libdpkg-dev librpm-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_packages=(
  python3 python3-pytest python3-requests python3-aiosmtpd python3-jsonschema openssl
  skopeo podman buildah docker-registry uidmap slapd ldap-utils chromium postgresql-15
  rpm db5.3-util  # tests/vuln/rpm_database_test.cc builds RPM databases of both formats
)
bench_packages=(wrk nginx-light apache2-utils debootstrap)  # apache2-utils: htpasswd -B for docker-registry's htpasswd file;
# debootstrap: the Debian 12 root filesystem the scanning workload (11) scans
# clang-14 with its compiler-rt: libFuzzer and the sanitizer runtimes.
fuzz_packages=(clang libclang-rt-14-dev)

wanted=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  test) wanted+=("${test_packages[@]}") ;;
  bench) wanted+=("${test_packages[@]}" "${bench_packages[@]}") ;;
  fuzz) wanted+=("${fuzz_packages[@]}") ;;
  *) echo "usage: $0 [build|test|bench|fuzz]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# The tests start PostgreSQL servers of their own (tests/postgres.sh): the package need not
# create and start a cluster of its own on port 5432.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
  "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.d/pier-tests.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
