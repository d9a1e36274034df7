import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Registers many MBeans shaped like a Kafka broker's per-partition log beans, then sleeps: the
 * JVM that bench/jmx_exporter.py scrapes through the JMX exporter agent.
 *
 * <p>Bean k is kafka.log:type=Log,name=N,topic=t<T>,partition=<P>, with N cycling through the
 * four names Kafka registers per partition (LogEndOffset first), so every partition has up to
 * four beans. Each bean has `attributes` numeric attributes, "Value" first; every read returns
 * a new number, so nothing can be cached between scrapes.
 *
 * <p>Usage: java ManyBeans BEANS ATTRIBUTES PARTITIONS_PER_TOPIC READY_FILE (the file is
 * written once every bean is registered).
 */
public final class ManyBeans {
    private static final String[] NAMES = {"LogEndOffset", "LogStartOffset", "NumLogSegments", "Size"};
    private static final String[] ATTRIBUTES = {
        "Value", "Count", "Min", "Max", "Mean", "StdDev", "50thPercentile", "99thPercentile"
    };
    private static final AtomicLong READS = new AtomicLong();

    private ManyBeans() {}

    static String attributeName(int index) {
        return index < ATTRIBUTES.length ? ATTRIBUTES[index] : "Extra" + index;
    }

    /** One bean: `count` double attributes whose values change on every read. */
    static final class Bean implements DynamicMBean {
        private final MBeanInfo info;
        private final long seed;

        Bean(int count, long seed) {
            MBeanAttributeInfo[] attributes = new MBeanAttributeInfo[count];
            for (int i = 0; i < count; i++) {
                attributes[i] = new MBeanAttributeInfo(
                        attributeName(i), "double", "synthetic", true, false, false);
            }
            this.info = new MBeanInfo(Bean.class.getName(), "synthetic Kafka log bean",
                    attributes, null, null, null);
            this.seed = seed;
        }

        @Override
        public Object getAttribute(String name) throws AttributeNotFoundException {
            for (MBeanAttributeInfo attribute : info.getAttributes()) {
                if (attribute.getName().equals(name)) {
                    return (double) (seed + READS.incrementAndGet());
                }
            }
            throw new AttributeNotFoundException(name);
        }

        @Override
        public AttributeList getAttributes(String[] names) {
            AttributeList list = new AttributeList();
            for (String name : names) {
                try {
                    list.add(new Attribute(name, getAttribute(name)));
                } catch (AttributeNotFoundException e) {
                    // JMX leaves unknown attributes out of the list
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException("read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String action, Object[] params, String[] signature) {
            throw new UnsupportedOperationException("no operations");
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return info;
        }
    }

    public static void main(String[] args) throws Exception {
        int beans = Integer.parseInt(args[0]);
        int attributes = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        Path ready = Path.of(args[3]);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int k = 0; k < beans; k++) {
            int slot = k / NAMES.length;
            ObjectName name = new ObjectName(String.format(
                    "kafka.log:type=Log,name=%s,topic=t%d,partition=%d",
                    NAMES[k % NAMES.length], slot / partitions, slot % partitions));
            server.registerMBean(new Bean(attributes, 1000L * k), name);
        }
        Files.writeString(ready, beans + "\n");
        Thread.sleep(Long.MAX_VALUE);
    }
}
