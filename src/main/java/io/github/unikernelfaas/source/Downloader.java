package io.github.unikernelfaas.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Downloads one URL to a file with the JDK HttpClient: redirects followed (never https to http), proxies
 * from the injected selector, a connect timeout and an idle timeout (no bytes for that long aborts), a
 * Content-Length check, progress on a terminal and one line per file otherwise. file: URLs are copied.
 */
final class Downloader {
    /** Files at least this big get a progress line on a terminal. */
    static final long PROGRESS_THRESHOLD = 1L << 20;
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final HttpClient client;
    private final FetchLog log;
    private final boolean terminal;
    private final Duration idleTimeout;
    private final String userAgent;

    Downloader(ProxySelector proxy, Authenticator authenticator, Duration connectTimeout, Duration idleTimeout,
            FetchLog log, boolean terminal) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout);
        if (proxy != null) {
            builder.proxy(proxy);
        }
        if (authenticator != null) {
            builder.authenticator(authenticator);
        }
        this.client = builder.build();
        this.log = log;
        this.terminal = terminal;
        this.idleTimeout = idleTimeout;
        String version = Downloader.class.getPackage().getImplementationVersion();
        this.userAgent = "unikernel-faas/" + (version == null ? "dev" : version) + " (Java HttpClient)";
    }

    /**
     * Downloads {@code uri} into {@code target} (created or replaced). Throws {@link SourceException} naming
     * {@code label} and the URL for HTTP errors, truncated bodies and timeouts; {@code hint} is appended to
     * the messages of errors a mirror or a POM override could fix.
     */
    long download(URI uri, Path target, String label, String hint) throws InterruptedException {
        long start = System.nanoTime();
        long bytes = "file".equalsIgnoreCase(uri.getScheme()) ? copyFile(uri, target, label, hint)
                : http(uri, target, label, hint);
        log.info(String.format(Locale.ROOT, "Downloaded %s (%s in %.1f s) from %s", label, size(bytes),
                (System.nanoTime() - start) / 1e9, uri));
        return bytes;
    }

    private long copyFile(URI uri, Path target, String label, String hint) {
        Path source;
        try {
            source = Path.of(uri);
        } catch (IllegalArgumentException e) {
            throw new SourceException("Cannot download " + label + ": invalid file URL " + uri);
        }
        try (InputStream in = Files.newInputStream(source);
                OutputStream out = Files.newOutputStream(target)) {
            long total = Files.size(source);
            Progress progress = new Progress(label, total);
            byte[] buf = new byte[1 << 16];
            long n = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                out.write(buf, 0, r);
                n += r;
                progress.update(n);
            }
            progress.done();
            return n;
        } catch (NoSuchFileException e) {
            throw new SourceException("Cannot download " + label + ": " + uri + " does not exist." + hint);
        } catch (IOException e) {
            throw new SourceException("Cannot copy " + label + " from " + uri + ": " + e.getMessage(), e);
        }
    }

    private long http(URI uri, Path target, String label, String hint) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(idleTimeout)
                .header("User-Agent", userAgent)
                .build();
        AtomicReference<FileSubscriber> subscriber = new AtomicReference<>();
        HttpResponse.BodyHandler<Long> handler = info -> {
            if (info.statusCode() != 200) {
                return HttpResponse.BodySubscribers.replacing(-1L);
            }
            OptionalLong length = info.headers().firstValueAsLong("Content-Length");
            FileSubscriber s = new FileSubscriber(target, length.isPresent() ? length.getAsLong() : -1,
                    new Progress(label, length.isPresent() ? length.getAsLong() : -1));
            subscriber.set(s);
            return s;
        };
        CompletableFuture<HttpResponse<Long>> future = client.sendAsync(request, handler);
        HttpResponse<Long> response;
        long lastActivity = System.nanoTime();
        long lastBytes = 0;
        try {
            while (true) {
                try {
                    response = future.get(200, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    FileSubscriber s = subscriber.get();
                    long now = System.nanoTime();
                    long bytes = s == null ? 0 : s.bytes();
                    if (bytes != lastBytes) {
                        lastBytes = bytes;
                        lastActivity = now;
                    } else if (now - lastActivity > idleTimeout.toNanos()) {
                        future.cancel(true);
                        if (s != null) {
                            s.abort();
                        }
                        throw new SourceException("Download of " + label + " from " + uri + " stalled: no data for "
                                + idleTimeout.toSeconds() + " s after " + size(bytes)
                                + (s != null && s.expected >= 0 ? " of " + size(s.expected) : "")
                                + ". Nothing was cached; try again, or set unikernel.mirror.");
                    }
                }
            }
        } catch (InterruptedException e) {
            future.cancel(true);
            FileSubscriber s = subscriber.get();
            if (s != null) {
                s.abort();
            }
            throw e;
        } catch (ExecutionException e) {
            FileSubscriber s = subscriber.get();
            throw failure(uri, label, hint, e.getCause(), s);
        }
        int status = response.statusCode();
        if (status == 404 || status == 410) {
            throw new SourceException("Cannot download " + label + ": " + uri + " answered " + status
                    + " (not found)." + hint);
        }
        if (status != 200) {
            throw new SourceException("Cannot download " + label + ": " + uri + " answered HTTP " + status + "." + hint);
        }
        FileSubscriber s = subscriber.get();
        if (s.expected >= 0 && s.bytes() != s.expected) {
            throw truncated(uri, label, s, null);
        }
        return s.bytes();
    }

    private SourceException failure(URI uri, String label, String hint, Throwable cause, FileSubscriber s) {
        if (s != null && s.expected >= 0 && s.bytes() < s.expected) {
            return truncated(uri, label, s, cause);
        }
        if (s != null && s.bytes() > 0) {
            return new SourceException("Download of " + label + " from " + uri + " broke off after " + size(s.bytes())
                    + " (truncated): " + describe(cause) + ". Nothing was cached; try again.", cause);
        }
        if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
            return new SourceException("Cannot connect to " + hostOf(uri) + " to download " + label + " (" + uri
                    + "): " + describe(cause) + ". Behind a proxy, configure it in settings.xml <proxies>;"
                    + " air-gapped, set unikernel.mirror; with a filled cache, build offline (mvn -o).", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new SourceException("No answer from " + hostOf(uri) + " within " + idleTimeout.toSeconds()
                    + " s for " + label + " (" + uri + "). Try again, or set unikernel.mirror.", cause);
        }
        return new SourceException("Cannot download " + label + " from " + uri + ": " + describe(cause) + "." + hint,
                cause);
    }

    private static SourceException truncated(URI uri, String label, FileSubscriber s, Throwable cause) {
        return new SourceException("Download of " + label + " from " + uri + " is truncated: got " + s.bytes()
                + " of " + s.expected + " bytes (Content-Length)" + (cause == null ? "" : ": " + describe(cause))
                + ". Nothing was cached; try again.", cause);
    }

    private static String hostOf(URI uri) {
        return uri.getHost() == null ? uri.toString() : uri.getHost();
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    static String size(long bytes) {
        if (bytes < 0) {
            return "? bytes";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /** Progress for one file: a redrawn line on a terminal for big or unknown sizes, nothing otherwise. */
    private final class Progress {
        private final String label;
        private final long total;
        private final boolean show;
        private long lastShown;

        Progress(String label, long total) {
            this.label = label;
            this.total = total;
            this.show = terminal && (total < 0 || total >= PROGRESS_THRESHOLD);
        }

        void update(long bytes) {
            if (!show) {
                return;
            }
            long now = System.nanoTime();
            if (now - lastShown < PROGRESS_INTERVAL_NANOS) {
                return;
            }
            lastShown = now;
            log.progress(total > 0
                    ? String.format(Locale.ROOT, "Downloading %s: %s / %s (%d%%)", label, size(bytes), size(total),
                            bytes * 100 / total)
                    : "Downloading " + label + ": " + size(bytes));
        }

        void done() {
            if (show) {
                log.progress(null);
            }
        }
    }

    /** Writes the body to the file as it arrives, one buffer list at a time. */
    private static final class FileSubscriber implements HttpResponse.BodySubscriber<Long> {
        final long expected;
        private final Path target;
        private final Progress progress;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private volatile long bytes;
        private volatile Flow.Subscription subscription;
        private FileChannel channel;

        FileSubscriber(Path target, long expected, Progress progress) {
            this.target = target;
            this.expected = expected;
            this.progress = progress;
        }

        long bytes() {
            return bytes;
        }

        @Override
        public CompletionStage<Long> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            try {
                channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                s.cancel();
                result.completeExceptionally(e);
                return;
            }
            s.request(1);
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> buffers) {
            if (channel == null) {
                return;
            }
            try {
                for (ByteBuffer b : buffers) {
                    while (b.hasRemaining()) {
                        bytes += channel.write(b);
                    }
                }
                progress.update(bytes);
                if (expected >= 0 && bytes > expected) {
                    throw new IOException("more bytes than the Content-Length " + expected);
                }
            } catch (IOException e) {
                subscription.cancel();
                close();
                result.completeExceptionally(e);
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            close();
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            close();
            result.complete(bytes);
        }

        void abort() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            close();
            result.completeExceptionally(new IOException("aborted"));
        }

        private synchronized void close() {
            progress.done();
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // The download failed or finished already; the caller reports.
                }
                channel = null;
            }
        }
    }
}
