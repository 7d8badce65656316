package org.parley.edge;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.parley.config.Settings;
import org.parley.config.Startup;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.CqlDeviceSlotStore;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.devices.RevocationWatcher;
import org.parley.edge.identity.IdentitySetup;
import org.parley.edge.log.KafkaActionLog;
import org.parley.edge.log.KafkaSignalLog;
import org.parley.edge.log.TopicTail;
import org.parley.edge.presence.CqlPresenceStore;
import org.parley.edge.presence.EdgeHeartbeats;
import org.parley.edge.presence.PresenceSubscriptions;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.LoggedSettingsStore;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.edge.typing.CqlConversationMembership;
import org.parley.edge.typing.TypingRelay;
import org.parley.edge.log.PartitionTail;
import org.parley.edge.push.PushSubscriptionHandler;
import org.parley.edge.readmodel.CqlEdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.events.ActionResult;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceRecord;
import org.parley.events.Presence;
import org.parley.events.TypingSignal;
import org.parley.events.UserSettings;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.PushEndpointPolicy;
import org.parley.projections.PushSubscriptions;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;

/** One edge instance: reads its own partition of action-results and edge-deliveries, serves HTTP + WebSocket. */
public final class EdgeApp {
    private EdgeApp() {
    }

    public static Properties tailConfig(Settings s, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        // Results come from the sequencer's transactions; deliveries from the fan-out's plain producer.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        // A parked fetch is woken by an append and by a commit marker: a long wait costs no latency.
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, s.getInt("kafka.consumer.fetch-max-wait-ms"));
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        return p;
    }

    public static void main(String[] args) {
        Startup.orExit(EdgeApp::start);
    }

    private static void start() throws Exception {
        Settings settings = Settings.load();
        org.parley.metrics.ProcessMetrics.serve(settings, "edge");
        EdgeConfig config = EdgeConfig.from(settings);
        WebSocketLimits webSocketLimits = WebSocketLimits.from(settings, config); // refuses limits Kafka cannot hold
        EdgeTls tls = EdgeTls.from(settings); // before anything starts: a bad certificate setting fails fast
        TopicCatalog topics = TopicCatalog.from(settings);
        SchemaRegistryClient registry = new SchemaRegistryClient(settings.registryUrl());
        Vertx vertx = Vertx.vertx();
        CqlSession cql = CqlSessionFactory.open(settings, true, "edge");
        KafkaActionLog actionLog = new KafkaActionLog(vertx, settings, registry);
        PendingActions pending = new PendingActions();
        ConnectedDevices devices = new ConnectedDevices();
        org.parley.edge.metrics.EdgeMetrics.get().gauges(devices::size, pending::size);
        AvroWireDeserializer<DeviceDelivery> deliveries = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());

        PartitionTail<ActionResult> results = new PartitionTail<>(tailConfig(settings, true),
                topics.actionResults().name(), config.edgeId(),
                new AvroWireDeserializer<>(registry, ActionResult.getClassSchema()), pending::complete);
        PartitionTail<DeviceDelivery> routed = new PartitionTail<>(tailConfig(settings, false),
                topics.edgeDeliveries().name(), config.edgeId(), deliveries, devices::deliver);
        CompletableFuture.allOf(results.start(), routed.start()).get(settings.getLong("edge.startup-timeout-ms"), TimeUnit.MILLISECONDS);

        // Device linking, settings, typing and presence (EdgeExtensions); each edge tails what concerns its sessions.
        // One-to-one receipts are state (docs/adr/0014): relayed live from the log, kept in member_receipts.
        org.parley.edge.readmodel.RecentMarks recentMarks = new org.parley.edge.readmodel.RecentMarks(
                settings.getLong("receipts.recent-window-ms"), System::currentTimeMillis);
        CqlEdgeReadModel readModel = new CqlEdgeReadModel(vertx, cql).withRecentMarks(recentMarks);
        org.parley.edge.receipts.ReceiptRelay receiptRelay = new org.parley.edge.receipts.ReceiptRelay(devices, recentMarks);
        KafkaSignalLog signalLog = new KafkaSignalLog(vertx, settings, registry);
        EdgeHeartbeats heartbeats = new EdgeHeartbeats(signalLog, config.edgeId());
        TypingRelay typing = new TypingRelay(signalLog, new CqlConversationMembership(vertx, cql,
                settings.getLong("typing.members-cache-ms")), devices, settings.getLong("typing.expiry-ms"),
                settings.getInt("typing.max-per-second"));
        LoggedSettingsStore userSettings = new LoggedSettingsStore(vertx, signalLog, cql);
        PresenceSubscriptions presence = new PresenceSubscriptions(userSettings, new CqlPresenceStore(vertx, cql),
                settings.getInt("presence.max-subscriptions"));
        RevocationWatcher revocations = new RevocationWatcher(devices);
        List<TopicTail<?>> signalTails = List.of(
                new TopicTail<>(tailConfig(settings, false), topics.devices().name(),
                        new AvroWireDeserializer<>(registry, DeviceRecord.getClassSchema()), revocations::onRecord),
                // Claims that leave a device low on one-time prekeys: tell it here if it is connected here.
                new TopicTail<>(tailConfig(settings, false), topics.keyDirectory().name(),
                        new AvroWireDeserializer<>(registry, org.parley.events.KeyDirectoryFact.getClassSchema()),
                        new org.parley.edge.keys.KeysLowNotifier(devices, settings.getInt("keys.low-threshold"))::onFact),
                new TopicTail<>(tailConfig(settings, false), topics.signals().name(),
                        new AvroWireDeserializer<>(registry, TypingSignal.getClassSchema()), typing::onSignal),
                new TopicTail<>(tailConfig(settings, false), topics.presence().name(),
                        new AvroWireDeserializer<>(registry, Presence.getClassSchema()), presence::onPresence),
                // Settings changes re-decide open presence subscriptions (privacy applies at once).
                new TopicTail<>(tailConfig(settings, false), topics.userSettings().name(),
                        new AvroWireDeserializer<>(registry, UserSettings.getClassSchema()), presence::onSettings),
                // Begun a window back: a mark relayed before this edge started may not be in member_receipts yet.
                new TopicTail<>(tailConfig(settings, true), topics.receipts().name(),
                        new AvroWireDeserializer<>(registry, org.parley.events.Receipt.getClassSchema()),
                        receiptRelay::onReceipt)
                        .rewind(java.time.Duration.ofMillis(settings.getLong("receipts.recent-window-ms"))));
        CompletableFuture.allOf(signalTails.stream().map(TopicTail::start).toArray(CompletableFuture[]::new))
                .get(settings.getLong("edge.startup-timeout-ms"), TimeUnit.MILLISECONDS);
        org.parley.edge.limits.EdgeGuards guards = new org.parley.edge.limits.EdgeGuards(vertx,
                org.parley.edge.limits.EdgeLimits.from(settings), System::currentTimeMillis).start();
        org.parley.projections.keys.KeyDirectory keyDirectory = new org.parley.projections.keys.KeyDirectory(cql,
                (int) TimeUnit.DAYS.toSeconds(settings.getInt("keys.claim-record-ttl-days")));
        org.parley.edge.keys.KeyDirectoryEndpoint keys = new org.parley.edge.keys.KeyDirectoryEndpoint(vertx,
                keyDirectory, new CqlDeviceSlotStore(vertx, cql), signalLog,
                org.parley.edge.keys.KeyDirectoryEndpoint.limits(settings), settings.getInt("keys.low-threshold"),
                guards);
        EdgeExtensions extensions = new EdgeExtensions(
                new DeviceRegistration(actionLog, readModel, new CqlDeviceSlotStore(vertx, cql), devices,
                        settings.getInt("devices.max-companions"),
                        IdentitySetup.from(vertx, settings, cql, actionLog, readModel, config.edgeId(),
                                new CqlPresenceStore(vertx, cql))).withKeysRemoval(keys::remove)
                        .withProvisioning(new org.parley.edge.devices.CqlProvisioningStore(vertx, cql),
                                java.time.Duration.ofSeconds(settings.getInt("devices.provisioning-ttl-seconds")),
                                java.time.Clock.systemUTC()),
                new SettingsEndpoint(userSettings), SessionExtension.of(typing, presence));

        org.parley.edge.media.S3MediaStore media = new org.parley.edge.media.S3MediaStore(vertx, settings);
        org.parley.edge.media.MediaPolicy mediaPolicy = org.parley.edge.media.MediaPolicy.from(settings);
        org.parley.edge.media.transfer.S3ObjectTransfers objectTransfers =
                new org.parley.edge.media.transfer.S3ObjectTransfers(settings);
        org.parley.edge.media.transfer.MediaTransfers transfers = new org.parley.edge.media.transfer.MediaTransfers(
                vertx, objectTransfers, new org.parley.edge.media.transfer.CqlUploadLedger(vertx, cql),
                org.parley.edge.media.transfer.UploadPlan.Limits.from(settings), mediaPolicy,
                new org.parley.edge.media.MediaAccess(readModel, mediaPolicy.maxConversationsChecked()), guards);
        EdgeRoutes routes = EdgeRoutes.builder(config, guards)
                .log(actionLog).readModel(readModel).pending(pending).devices(devices)
                .inboxDecoder(bytes -> deliveries.deserialize(topics.deliveries().name(), bytes))
                .extensions(extensions)
                .media(media, mediaPolicy)
                .transfers(transfers)
                .keys(keys)
                .envelopes(org.parley.edge.envelopes.EnvelopeLimits.from(settings),
                        new org.parley.edge.devices.KeyedDeviceSets(vertx, new CqlDeviceSlotStore(vertx, cql),
                                keyDirectory))
                .module(new PushSubscriptionHandler(vertx, new PushSubscriptions(cql), PushEndpointPolicy.from(settings)))
                .build();
        // edge.verticle-instances servers on one port, each on its own event loop; all share the routes' state.
        List<EdgeVerticle> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
        vertx.deployVerticle(() -> {
            EdgeVerticle server = new EdgeVerticle(config, webSocketLimits, tls, routes);
            servers.add(server);
            return server;
        }, new io.vertx.core.DeploymentOptions().setInstances(config.verticleInstances()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        heartbeats.start(vertx, settings.getLong("presence.edge-heartbeat-ms"));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                results.close();
                routed.close();
                for (TopicTail<?> tail : signalTails) {
                    tail.close();
                }
            } catch (Exception e) {
                // shutting down anyway
            }
            actionLog.close();
            media.close();
            objectTransfers.close();
            signalLog.close();
            cql.close();
        }, "edge-shutdown"));
        System.out.println("PARLEY READY edge-" + config.edgeId() + " " + tls.httpScheme() + "://" + config.host() + ":"
                + servers.get(0).actualPort() + " (" + servers.size() + " verticle instances)");
    }
}
