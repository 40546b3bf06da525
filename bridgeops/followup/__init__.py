"""Follow-up conferences each district and commune holds after the bridge, tracked to 100%."""
