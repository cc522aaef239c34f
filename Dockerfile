# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/linkgate ./cmd/linkgate \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/linkgate /usr/local/bin/linkgate
COPY --from=build --chown=65532:65532 /out/data /data
ENV LINKGATE_ADDR=:8080 \
    LINKGATE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# distroless has no shell or curl: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/linkgate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/linkgate"]
CMD ["serve"]
