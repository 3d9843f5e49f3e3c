package io.jlvs.core.ipvsadm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The name lookups ipvsadm does: host names to addresses when parsing ({@code gethostbyname}, first
 * IPv4 address), service names to ports ({@code getservbyname}), and, for listings without
 * {@code -n}, addresses back to host names and ports to service names. {@link #system()} uses the
 * JDK resolver and {@code /etc/services}; tests inject their own.
 */
public interface NameResolver {

    /** @return the first IPv4 address of {@code host}, or {@code null} when it does not resolve */
    InetAddress hostToAddress(String host);

    /** @return the host name of {@code address}, or {@code null} when it has none */
    String addressToHost(InetAddress address);

    /**
     * @param protocol {@code tcp}, {@code udp} or {@code sctp}
     * @return the port of the service {@code name}, or -1
     */
    int serviceToPort(String name, String protocol);

    /** @return the service name of {@code port}, or {@code null} */
    String portToService(int port, String protocol);

    /** @return lookups through the system resolver and {@code /etc/services} */
    static NameResolver system() {
        return SystemResolver.INSTANCE;
    }

    /** @return a resolver that knows no names at all (numeric addresses and ports only) */
    static NameResolver numericOnly() {
        return Numeric.INSTANCE;
    }

    /**
     * A resolver over a fixed table: {@code hosts} maps names to addresses (reverse lookups use the
     * same table) and {@code services} is text in {@code /etc/services} format.
     */
    static NameResolver of(Map<String, InetAddress> hosts, String services) {
        ServicesFile file = ServicesFile.parse(services);
        Map<InetAddress, String> reverse = new HashMap<>();
        hosts.forEach((name, addr) -> reverse.putIfAbsent(addr, name));
        return new NameResolver() {
            @Override
            public InetAddress hostToAddress(String host) {
                return hosts.get(host);
            }

            @Override
            public String addressToHost(InetAddress address) {
                return reverse.get(address);
            }

            @Override
            public int serviceToPort(String name, String protocol) {
                return file.port(name, protocol);
            }

            @Override
            public String portToService(int port, String protocol) {
                return file.name(port, protocol);
            }
        };
    }

    /** No names. */
    enum Numeric implements NameResolver {
        INSTANCE;

        @Override
        public InetAddress hostToAddress(String host) {
            return null;
        }

        @Override
        public String addressToHost(InetAddress address) {
            return null;
        }

        @Override
        public int serviceToPort(String name, String protocol) {
            return -1;
        }

        @Override
        public String portToService(int port, String protocol) {
            return null;
        }
    }

    /** The JDK resolver plus a lazily parsed {@code /etc/services}. */
    final class SystemResolver implements NameResolver {
        static final SystemResolver INSTANCE = new SystemResolver();
        private volatile ServicesFile services;

        private SystemResolver() {
        }

        private ServicesFile services() {
            ServicesFile s = services;
            if (s == null) {
                String text;
                try {
                    text = Files.readString(Path.of("/etc/services"), StandardCharsets.ISO_8859_1);
                } catch (NoSuchFileException e) {
                    text = "";
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                s = ServicesFile.parse(text);
                services = s;
            }
            return s;
        }

        @Override
        public InetAddress hostToAddress(String host) {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    if (a instanceof Inet4Address) {
                        return a;
                    }
                }
                return null;
            } catch (UnknownHostException | SecurityException e) {
                return null;
            }
        }

        @Override
        public String addressToHost(InetAddress address) {
            try {
                InetAddress a = InetAddress.getByAddress(address.getAddress());
                String name = a.getHostName();
                return name.equals(a.getHostAddress()) ? null : name;
            } catch (UnknownHostException | SecurityException e) {
                return null;
            }
        }

        @Override
        public int serviceToPort(String name, String protocol) {
            return services().port(name, protocol);
        }

        @Override
        public String portToService(int port, String protocol) {
            return services().name(port, protocol);
        }
    }

    /** {@code /etc/services}: {@code name port/proto [aliases…] [# comment]}; the first entry wins. */
    final class ServicesFile {
        private final Map<String, Integer> ports = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();

        private ServicesFile() {
        }

        static ServicesFile parse(String text) {
            ServicesFile f = new ServicesFile();
            for (String line : text.split("\n")) {
                int hash = line.indexOf('#');
                if (hash >= 0) {
                    line = line.substring(0, hash);
                }
                String[] t = line.trim().split("[ \t]+");
                if (t.length < 2) {
                    continue;
                }
                int slash = t[1].indexOf('/');
                if (slash <= 0) {
                    continue;
                }
                int port;
                try {
                    port = Integer.parseInt(t[1].substring(0, slash));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (port < 0 || port > 65535) {
                    continue;
                }
                String proto = t[1].substring(slash + 1).toLowerCase(Locale.ROOT);
                f.names.putIfAbsent(port + "/" + proto, t[0]);
                for (String name : List.of(t).subList(2, t.length).isEmpty() ? List.of(t[0])
                        : concat(t[0], List.of(t).subList(2, t.length))) {
                    f.ports.putIfAbsent(name + "/" + proto, port);
                }
            }
            return f;
        }

        private static List<String> concat(String first, List<String> rest) {
            java.util.ArrayList<String> all = new java.util.ArrayList<>();
            all.add(first);
            all.addAll(rest);
            return all;
        }

        int port(String name, String protocol) {
            Integer p = ports.get(name + "/" + protocol);
            return p == null ? -1 : p;
        }

        String name(int port, String protocol) {
            return names.get(port + "/" + protocol);
        }
    }
}
