/* Attribute lookups shared by the compiled twins (routing, senders), as the generic lookup would do them. */
#ifndef STARLETTE_C_LOOKUP_H
#define STARLETTE_C_LOOKUP_H

/* The function (plain or compiled) obj.<name> would be bound from, found without binding it (borrowed): the
   type's generic attribute lookup finds it and the instance dict, which comes first for a method, lacks name.
   NULL when the lookup would find something else or cannot be told (an error is set only on failure). */
static inline PyObject *starlette_c_unbound_method(PyObject *obj, PyObject *name) {
    PyTypeObject *type = Py_TYPE(obj);
    PyObject *found, *dict, *own;
    if (type->tp_getattro != PyObject_GenericGetAttr) {
        return NULL;
    }
    found = _PyType_Lookup(type, name);
    /* NOTE: a method is a non-data descriptor: one with a __set__ would win over the instance dict. */
    if (found == NULL || Py_TYPE(found)->tp_descr_get == NULL || Py_TYPE(found)->tp_descr_set != NULL) {
        return NULL;
    }
    dict = PyObject_GenericGetDict(obj, NULL);
    if (dict == NULL) {
        PyErr_Clear();  /* no instance dict: the type's attribute is what a lookup finds */
        return found;
    }
    own = PyDict_GetItemWithError(dict, name);
    Py_DECREF(dict);
    return own == NULL ? found : NULL;
}

/* obj.__dict__ as the generic lookup gives it (new reference), None for an object without one. */
static inline PyObject *starlette_c_instance_dict(PyObject *obj) {
    PyObject *dict = PyObject_GenericGetDict(obj, NULL);
    if (dict == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return dict;
}

#endif
