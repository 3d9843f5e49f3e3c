package io.jlvs.core.scheduler;

import io.jlvs.core.IpvsadmException;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The schedulers a director knows, by ipvsadm name. {@link #load()} finds every
 * {@link SchedulerProvider} through {@link ServiceLoader} on the module path and the class path;
 * {@code none} is always known. Immutable.
 */
public final class SchedulerRegistry {
    private final Map<String, SchedulerProvider> providers;

    private SchedulerRegistry(Map<String, SchedulerProvider> providers) {
        this.providers = Collections.unmodifiableMap(providers);
    }

    /** Loads every provider visible to this module and to the thread's context class loader. */
    public static SchedulerRegistry load() {
        Map<String, SchedulerProvider> found = new TreeMap<>();
        put(found, NoneScheduler.INSTANCE);
        // The module's own layer first (module path), then the context loader (class path, plugins).
        for (SchedulerProvider p : ServiceLoader.load(SchedulerProvider.class, SchedulerRegistry.class.getClassLoader())) {
            found.putIfAbsent(p.name(), p);
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context != SchedulerRegistry.class.getClassLoader()) {
            for (SchedulerProvider p : ServiceLoader.load(SchedulerProvider.class, context)) {
                found.putIfAbsent(p.name(), p);
            }
        }
        return new SchedulerRegistry(found);
    }

    /** A registry of exactly these providers (plus {@code none}); later names replace earlier ones. */
    public static SchedulerRegistry of(SchedulerProvider... providers) {
        Map<String, SchedulerProvider> found = new TreeMap<>();
        put(found, NoneScheduler.INSTANCE);
        for (SchedulerProvider p : providers) {
            put(found, p);
        }
        return new SchedulerRegistry(found);
    }

    /** @return a registry with {@code provider} added (replacing one of the same name) */
    public SchedulerRegistry with(SchedulerProvider provider) {
        Map<String, SchedulerProvider> next = new TreeMap<>(providers);
        put(next, provider);
        return new SchedulerRegistry(next);
    }

    private static void put(Map<String, SchedulerProvider> map, SchedulerProvider p) {
        String name = p.name();
        if (name == null || name.isEmpty() || name.length() > 15 || !name.equals(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("scheduler provider " + p.getClass().getName()
                    + " has an invalid name '" + name + "' (lower case, 1..15 characters)");
        }
        map.put(name, p);
    }

    /** @return true when {@code name} is known */
    public boolean contains(String name) {
        return providers.containsKey(name);
    }

    /** @return the known names in alphabetical order, {@code none} included */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(providers.keySet()));
    }

    /** @return the provider of {@code name} */
    public SchedulerProvider provider(String name) {
        SchedulerProvider p = providers.get(name);
        if (p == null) {
            throw unknown(name);
        }
        return p;
    }

    /** Creates a scheduler, or fails with ipvsadm's text and the list of known names. */
    public Scheduler create(String name, SchedulerContext context) {
        return provider(name).create(context);
    }

    /** @return the error for an unknown scheduler name */
    public IpvsadmException unknown(String name) {
        return IpvsadmException.kernel("Scheduler or persistence engine not found (scheduler '" + name
                + "' is not one of: " + String.join(" ", names()) + ")");
    }
}
