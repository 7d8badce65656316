package org.parley.fanout.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.parley.events.Receipt;

/**
 * Reads {@code receipts} and stamps each receipt with its offset ({@code logOffset}). A conversation's receipts are
 * one partition of that topic, so the offset orders them: the fan-out uses it as the receipt's position and drops a
 * receipt whose position a device already got (a replay after a restore, docs/adr/0006).
 */
public class ReceiptLogDeserializer extends AvroWireRecordDeserializer<Receipt> {
    private static final long serialVersionUID = 1L;

    public ReceiptLogDeserializer(RegistryClientFactory registry) {
        super(Receipt.class, registry);
    }

    @Override
    protected Receipt placed(Receipt receipt, ConsumerRecord<byte[], byte[]> record) {
        receipt.setLogOffset(record.offset());
        return receipt;
    }
}
