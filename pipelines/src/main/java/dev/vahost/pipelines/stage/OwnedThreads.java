package dev.vahost.pipelines.stage;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * A thread factory for an executor a component owns: daemon threads under one name, each remembered so
 * that the component's {@code close()} can wait until they have ended. An executor's
 * {@code awaitTermination} returns when its last task is done, while its worker thread may still be on its
 * way out of {@code run()}; a caller that counts threads after {@code close()} (a leak check) saw it.
 */
public final class OwnedThreads implements ThreadFactory {
    private final String name;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public OwnedThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    /**
     * Waits (the whole wait at most {@code timeout}) until every thread made here has ended; call it after the
     * executor was shut down. Returns the names of threads still alive after the wait (empty when all ended).
     */
    public List<String> join(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) t.join(Math.max(1, left / 1_000_000));
        }
        threads.removeIf(t -> !t.isAlive());
        return threads.stream().map(Thread::getName).toList();
    }
}
