package testsupport.neo4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.Version;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs an embedded Neo4j Community DBMS with only the Bolt connector enabled, for tests.
 *
 * <p>Usage: {@code java -jar neo4j-test-server.jar [--port N] [--data-dir DIR] [--pagecache SIZE]
 * [--tx-memory SIZE] [--ignore-stdin] [--debug-log]}
 *
 * <p>{@code --tx-memory} is dbms.memory.transaction.total.max (0: no limit beyond the heap); by
 * default Neo4j allows 70 % of the heap, which a one-transaction load of a million relations
 * exceeds on a 6 GB heap (bench/).
 *
 * <p>Environment fallbacks: NEO4J_TEST_PORT, NEO4J_TEST_DATA_DIR, NEO4J_TEST_PAGECACHE,
 * NEO4J_TEST_TX_MEMORY, NEO4J_TEST_IGNORE_STDIN=1, NEO4J_TEST_DEBUG_LOG=1.
 *
 * <p>Once Bolt accepts connections it prints exactly one line to stdout:
 * {@code NEO4J_READY bolt://127.0.0.1:PORT version=X.Y.Z}. Everything else goes to stderr.
 * It shuts down cleanly when stdin reaches EOF (e.g. the parent process died) or on SIGTERM/SIGINT.
 */
public final class Neo4jTestServer {
    private static final String HOST = "127.0.0.1";
    private static final int MAX_PORT_ATTEMPTS = 5;

    private static final Object LOCK = new Object();
    private static DatabaseManagementService dbms; // guarded by LOCK
    private static boolean shuttingDown; // guarded by LOCK

    private Neo4jTestServer() {}

    public static void main(String[] args) throws Exception {
        // Keep stdout for the single READY line; anything Neo4j or a library prints goes to stderr.
        PrintStream out = System.out;
        System.setOut(System.err);

        Options opts = Options.parse(args);
        Path home = opts.dataDir != null ? opts.dataDir : Files.createTempDirectory("neo4j-test-server-");
        boolean deleteHome = opts.dataDir == null;
        Files.createDirectories(home);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(home, deleteHome), "neo4j-test-server-shutdown"));

        if (!opts.ignoreStdin) {
            // EOF on stdin means our parent went away (or asked us to stop): exit, running the hook.
            Thread watcher = new Thread(Neo4jTestServer::waitForStdinEof, "neo4j-test-server-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        int port = startWithRetries(home, opts);
        out.println("NEO4J_READY bolt://" + HOST + ":" + port + " version=" + Version.getNeo4jVersion());
        out.flush();

        new CountDownLatch(1).await(); // park forever; exit happens via System.exit / signals
    }

    private static int startWithRetries(Path home, Options opts) throws IOException {
        int attempts = opts.port == 0 ? MAX_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            int port = opts.port != 0 ? opts.port : findFreePort();
            synchronized (LOCK) {
                if (shuttingDown) {
                    // A signal / stdin EOF arrived before we got going; the hook handles the rest.
                    throw new IllegalStateException("shutting down before start");
                }
                try {
                    dbms = build(home, port, opts);
                    return port;
                } catch (RuntimeException e) {
                    if (attempt >= attempts || !isBindFailure(e)) {
                        throw e;
                    }
                    System.err.println("neo4j-test-server: port " + port + " was taken, retrying: " + e);
                }
            }
        }
    }

    private static DatabaseManagementService build(Path home, int port, Options opts) {
        var builder = new DatabaseManagementServiceBuilder(home);
        if (opts.txMemoryBytes != null) {
            builder.setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, opts.txMemoryBytes);
        }
        return builder
                .setUserLogProvider(new Log4jLogProvider(System.err, Level.WARN))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(BoltConnector.thread_pool_min_size, 2)
                // Internal settings: skip the in-JVM "bolt-local" channel and the default 5s + 5s
                // grace periods that would otherwise make every shutdown take ~10 seconds.
                .setConfig(BoltConnectorInternalSettings.enable_local_connector, false)
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.debug_log_enabled, opts.debugLog)
                // Transaction state is already ON_HEAP by default in 5.26 (the setting is deprecated).
                .setConfig(GraphDatabaseSettings.pagecache_memory, opts.pagecacheBytes)
                // Small, non-preallocated transaction logs keep the on-disk footprint tiny.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
                .build();
    }

    private static void shutdown(Path home, boolean deleteHome) {
        synchronized (LOCK) { // waits for an in-progress start to finish first
            shuttingDown = true;
            if (dbms != null) {
                try {
                    dbms.shutdown();
                } catch (Throwable t) {
                    System.err.println("neo4j-test-server: error during shutdown: " + t);
                }
                dbms = null;
            }
        }
        if (deleteHome) {
            deleteRecursively(home);
        }
    }

    private static void waitForStdinEof() {
        byte[] buf = new byte[256];
        try {
            InputStream in = System.in;
            while (in.read(buf) != -1) {
                // ignore input; only EOF matters
            }
        } catch (IOException ignored) {
            // treat a broken stdin like EOF
        }
        System.exit(0);
    }

    private static int findFreePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            String msg = String.valueOf(t.getMessage());
            if (msg.contains("Address already in use") || msg.contains("already in use")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("neo4j-test-server: could not delete " + root + ": " + e);
        }
    }

    private static final class Options {
        int port;
        Path dataDir;
        long pagecacheBytes = ByteUnit.mebiBytes(64);
        Long txMemoryBytes; // null: Neo4j's default
        boolean ignoreStdin;
        boolean debugLog;

        static Options parse(String[] args) {
            Options o = new Options();
            String port = System.getenv("NEO4J_TEST_PORT");
            String dataDir = System.getenv("NEO4J_TEST_DATA_DIR");
            String pagecache = System.getenv("NEO4J_TEST_PAGECACHE");
            String txMemory = System.getenv("NEO4J_TEST_TX_MEMORY");
            o.ignoreStdin = "1".equals(System.getenv("NEO4J_TEST_IGNORE_STDIN"));
            o.debugLog = "1".equals(System.getenv("NEO4J_TEST_DEBUG_LOG"));
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> port = value(args, ++i);
                    case "--data-dir" -> dataDir = value(args, ++i);
                    case "--pagecache" -> pagecache = value(args, ++i);
                    case "--tx-memory" -> txMemory = value(args, ++i);
                    case "--ignore-stdin" -> o.ignoreStdin = true;
                    case "--debug-log" -> o.debugLog = true;
                    case "-h", "--help" -> {
                        System.err.println("usage: java -jar neo4j-test-server.jar [--port N] [--data-dir DIR]"
                                + " [--pagecache SIZE e.g. 64m] [--tx-memory SIZE, 0 = heap only]"
                                + " [--ignore-stdin] [--debug-log]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            if (port != null && !port.isBlank()) {
                o.port = Integer.parseInt(port.trim());
            }
            if (dataDir != null && !dataDir.isBlank()) {
                o.dataDir = Path.of(dataDir).toAbsolutePath();
            }
            if (pagecache != null && !pagecache.isBlank()) {
                o.pagecacheBytes = ByteUnit.parse(pagecache.trim());
            }
            if (txMemory != null && !txMemory.isBlank()) {
                o.txMemoryBytes = ByteUnit.parse(txMemory.trim());
            }
            return o;
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException("missing value for " + args[i - 1]);
            }
            return args[i];
        }
    }
}
