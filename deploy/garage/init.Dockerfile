# A one-shot helper for deploy/compose.yaml: Garage's own CLI (from the official image,
# which has no shell) on Debian slim, to run init.sh against the Garage node.
ARG GARAGE_IMAGE=dxflrs/garage:v2.5.0
FROM ${GARAGE_IMAGE} AS garage

FROM debian:bookworm-slim
COPY --from=garage /garage /usr/local/bin/garage
COPY init.sh /usr/local/bin/garage-init
ENTRYPOINT ["/usr/local/bin/garage-init"]
