using Shop.Backend;

// Settings: Shop__Issuer, Shop__ClientId, Shop__ClientSecret, Shop__DocumentsApi (see ShopSettings).
return await ShopHost.RunAsync(args);
