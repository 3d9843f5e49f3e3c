package io.jlvs.dataplane.nat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty leak detection at PARANOID for every data-plane test: a detector factory that records
 * leaks instead of logging them, installed before any buffer class is initialised (every test
 * class of this module carries this extension). After each test the heap is collected, fresh
 * buffers are tracked (which makes the detectors report), and any recorded leak fails the test.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                    long maxActive) {
                return new ResourceLeakDetector<T>(resource, samplingInterval) {
                    @Override
                    protected boolean needReport() {
                        return true;
                    }

                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + " leaked:" + records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType + " leaked (untraced)");
                    }
                };
            }
        });
    }

    /** Forces collection and lets the detectors report what they found. */
    static void collect() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            ByteBuf b = Unpooled.buffer(16);
            ByteBuf c = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
            a.release();
            b.release();
            c.release();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        collect();
        LEAKS.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        collect();
        List<String> leaks = List.copyOf(LEAKS);
        LEAKS.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n", leaks));
        }
    }
}
