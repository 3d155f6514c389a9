import "./api.js"; import "./connection.js"; import "./store.js";
