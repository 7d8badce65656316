import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Prints the broker's request counts since it started, by request type ("Produce 1234"), and the records appended
 * ("#MessagesIn"): attaches to the broker's JVM by pid and reads its JMX beans through the local management agent.
 * Used by benchmarks/broker-counts.sh.
 */
public final class BrokerRequests {
    public static void main(String[] args) throws Exception {
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(args[0]);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection s = c.getMBeanServerConnection();
            TreeMap<String, Long> out = new TreeMap<>();
            for (ObjectName n : s.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                out.merge(n.getKeyProperty("request"), ((Number) s.getAttribute(n, "Count")).longValue(), Long::sum);
            }
            ObjectName in = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec");
            out.put("#MessagesIn", ((Number) s.getAttribute(in, "Count")).longValue());
            out.forEach((k, v) -> System.out.println(k + " " + v));
        }
    }
}
