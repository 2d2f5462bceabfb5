#!/bin/sh
# Makes local stand-ins for the two images docker-compose.replicas.yml pulls,
# caddy:2 and postgres:16, when Docker does not have them and cannot pull them (a
# machine without Docker Hub), for make compose-replicas-smoke only: they are not
# the official images and nothing else should run on them. Both are made on the
# debian:bookworm-slim of docker-base-images.sh:
#   caddy:2      Caddy CADDY_VERSION, built here with `go install` from the Go
#                module proxy, started as the official image starts it;
#   postgres:16  Debian's PostgreSQL (15 on bookworm), with an entrypoint honouring
#                the official image's POSTGRES_USER, POSTGRES_PASSWORD and
#                POSTGRES_DB on an empty data dir, and pg_isready.
# An image that is there already is left as is, so on a machine that reaches
# Docker Hub, `docker pull caddy:2 postgres:16` first to run on the real ones.
set -eu
DOCKER=${DOCKER:-docker}
CADDY_VERSION=${CADDY_VERSION:-v2.11.9}
have() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
have debian:bookworm-slim || { echo "debian:bookworm-slim is missing: make docker-base-images" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/wagate-stand-in.XXXXXX")
trap 'rm -rf "$work"' EXIT

if have caddy:2; then
	echo "caddy:2: present"
else
	echo "caddy:2: making a stand-in with Caddy $CADDY_VERSION (go install)"
	mkdir -p "$work/caddy"
	GOBIN="$work/caddy" go install "github.com/caddyserver/caddy/v2/cmd/caddy@$CADDY_VERSION"
	cat >"$work/caddy/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
COPY caddy /usr/bin/caddy
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443 2019
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
DOCKERFILE
	"$DOCKER" build -t caddy:2 "$work/caddy"
fi

if have postgres:16; then
	echo "postgres:16: present"
else
	echo "postgres:16: making a stand-in with Debian's PostgreSQL"
	mkdir -p "$work/postgres"
	cat >"$work/postgres/entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official image's contract, as far as docker-compose.yml uses it.
set -eu
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
	printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
	chown postgres /tmp/pwfile
	as_pg initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null
	rm -f /tmp/pwfile
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
	if [ "$POSTGRES_DB" != postgres ]; then
		as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
		as_pg psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
		as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	fi
	echo "initialised $PGDATA: user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA"
ENTRYPOINT
	cat >"$work/postgres/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
# No cluster made at install: the entrypoint makes its own in PGDATA.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/stand-in.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/lib/postgresql/*/bin /usr/lib/postgresql/bin
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
DOCKERFILE
	"$DOCKER" build --network host -t postgres:16 "$work/postgres"
fi
